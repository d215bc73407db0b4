"""Population margins (sex, age group, district) an agency enters, and the weights they give."""
