"""What the worker's screenshot shows: images, OCR, text matching, the target's state,
duplicates, tampering, accounts and comments (one side of a verdict; the live page is
``verifier.platforms``)."""
