"""collector.staff_survey.service."""
