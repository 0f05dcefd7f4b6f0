"""dna layer."""
