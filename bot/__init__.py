"""sendbot: keeps a school's SEND training alive in chat."""
