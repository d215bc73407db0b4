"""Questionnaire authoring: XLSForm and YAML in and out, checking an upload as a
plugin's questionnaire is checked, and publishing it as an agency's own version."""
