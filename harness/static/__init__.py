"""Static-tier helpers: readers and scanners that need no services and answer in milliseconds."""
