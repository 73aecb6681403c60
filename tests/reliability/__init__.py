"""Reliability, security and scale-out tests (issue 7): faults, hostile input, crashes, several processes."""
