"""The SEN register in the school: importing it, the changes and alerts it brings, reminders,
the SENDCO's report, and how long pupil data is kept."""
