"""Whether figures can be trusted: signals found on visits, their trust score, and the spot checks that verify
claimed visits with their households (督察回访)."""
