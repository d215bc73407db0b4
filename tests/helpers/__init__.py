"""Everything tests share, in one place (fixtures are in ``tests/conftest.py`` and
``tests/browser/conftest.py``; no test module imports from another):

- ``apps``, ``database``, ``organisation``, ``staff``, ``web``: re-export what moved to
  ``collector.testing`` (shared with plugin authors): ``make_app`` (``AppMaker``) and
  what makes test apps cheap; the per-test databases, their seeded states and
  templates, counting rows, the audit log, switching off the audit guards; the agencies
  every test starts from; fast password hashing, one account per role, a clock; CSRF
  tokens, hidden fields, form data, logging in (``login``, ``client_as``);
- ``answers``: citizen answers, API bodies, stored responses;
- ``campaigns``, ``complaints``, ``files``: campaigns, complaint cases and follow-ups,
  attachment files;
- ``questionnaires``: small valid questionnaire definitions;
- ``browser``: device profiles, the live server, answering the survey page;
- ``example_plugin``: a plugin implementing every hook;
- ``r_reference``: R's reference values for the analysis tests;
- ``import_graph``: reading a package's imports.
"""
