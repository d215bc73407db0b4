"""collector.results."""
