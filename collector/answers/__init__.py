"""collector.answers."""
