"""The audit trail (issue 9): who changed what, when, on the money-bearing objects.

- `tracking`: `audit_tracked`, the one way a model is tracked (django-pghistory
  triggers, statement-level; rules in docs/decisions.md, "Audit trail");
- `context`: `audit_job`, what a background job or command says about itself
  (web requests get the user and URL from pghistory's middleware);
- `history`: `object_history`, an object's events newest first with who, when
  and what changed, for the `templates/audit/_history.html` partial.
"""
