"""collector.core."""
