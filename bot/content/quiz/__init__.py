"""Question banks in the formats schools have them: sendbot's own, CSV, Moodle GIFT and Aiken."""
