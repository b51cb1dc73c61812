#!/usr/bin/env python
"""Django's command-line utility for administrative tasks (see monitor/__main__.py)."""

from monitor.__main__ import main

if __name__ == "__main__":
    main()
