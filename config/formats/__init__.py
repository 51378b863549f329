"""Date formats by the reader's language (FORMAT_MODULE_PATH): the month is spelled out so no date
reads two ways (12/02/2026 is 2 December in Paris and 12 February in New York). What is not set
here comes from Django's own formats for the language."""
