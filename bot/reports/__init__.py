"""Reports: the monthly satisfaction and outreach tables, and writers for text, CSV, XLSX, JSON."""
