"""Tests of the registrations app: registrations, standing posts and pairings."""
