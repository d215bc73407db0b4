"""E-mail off the request path: a transactional mail outbox delivered by the job queue.

A request stores each message (``outbox.store``) in the transaction of the change
that causes it, with the job that will deliver it; after the commit it queues the
job (``outbox.kick``). A worker sends it through ``collector.core.mail.send`` (the
outbox folder or SMTP), retries with back-off, and marks it sent or failed; the
worker's sweep erases the addresses and texts of old messages (docs/jobs.md).
"""
