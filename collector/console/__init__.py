"""The staff console's first page and the navigation between its pages."""
