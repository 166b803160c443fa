"""Persistence and access control: the catalogue of agents and versions, runs, threads."""
