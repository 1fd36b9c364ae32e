"""Every figure officers see, in one place: labels, tables, figures, charts, report and writers."""
