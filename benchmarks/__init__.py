"""Scorecards: shared measures, submissions, benchmarking and published results."""
