"""The core: Session, Turn, history, context accounting, instructions. It never prints."""
