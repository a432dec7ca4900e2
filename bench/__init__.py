"""Benchmarks (not tests): plan time, memory and graph depth of the team stack."""
