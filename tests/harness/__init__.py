"""The snippet harness: finds snippet files and their sections, runs them, checks their outputs."""
