"""collector.access."""
