"""Reports: tables of figures and the CSV/XLSX writer shared by the CLI and the dashboard."""
