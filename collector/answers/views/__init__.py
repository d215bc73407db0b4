"""collector.answers.views."""
