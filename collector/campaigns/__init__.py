"""collector.campaigns.service."""
