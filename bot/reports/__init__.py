"""Coordinators' reports: summaries, charts, Excel exports, and the jobs that render them."""
