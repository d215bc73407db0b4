"""collector.organisation.service."""
