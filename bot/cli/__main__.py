"""`python -m bot.cli` runs the sendbot command."""

from bot.cli import main

main()
