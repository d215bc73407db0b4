"""The core's sections of the results pages, registered through ``register_results_sections``
in ``collector.results.hooks`` exactly as a plugin's would be."""
