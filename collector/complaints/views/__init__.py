"""collector.complaints.views."""
