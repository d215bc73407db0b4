"""Demo data for trying collector at once (``collector demo``).

A city government with a land office and a household registration office, three
counters each (``responses``); one staff account per role (``staff``); survey waves
of half a year, the current one included (``waves``), each a campaign per agency
and questionnaire with a sampling design (``campaigns``), the current wave's open
so that its QR links work; citizens' answers and comments that agree with one
another (``respondents``, ``comments``); a staff survey every October
(``staff_surveys``); complaint cases filed at the right agency and category
(``complaints``, ``complaint_cases``).

The data tell one story (``story``): waiting time at the household registration
office's main counter is the weak item of the early waves; an improvement (extra
counters at lunchtime, online queue booking and a live queue display) takes effect
at the start of the third wave before the current one (114年下半年 with five waves
in late 2026); from then on the item's top-two-box share is about twice what it
was. Everything is dated through the app's clock and drawn from one seed, so the
same day and seed give the same data. Every seeding runs once: a second run finds
its data and does nothing.
"""
