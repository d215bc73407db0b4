"""collector.access.views."""
