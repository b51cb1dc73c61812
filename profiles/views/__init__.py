"""Public pages. Split by what the reader is doing: browsing the directory (countries,
treaties, the home page), reading a report and its editions, or searching."""
