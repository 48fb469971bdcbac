"""Assessment: originality (what an idea shares with the training songs) and musical metrics."""
