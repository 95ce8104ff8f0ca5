"""Self-paced quiz: question bank, judging, spaced repetition, mock exam."""
