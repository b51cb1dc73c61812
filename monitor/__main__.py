"""Monitor's command line: `python -m monitor COMMAND` or, once installed, `monitor COMMAND`
(manage.py in a checkout). Django's commands, with a malformed setting reported on one line."""

import sys

from monitor.startup import load_settings_or_exit


def main():
    load_settings_or_exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
