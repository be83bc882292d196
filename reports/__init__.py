"""Reports: the figures a crisis program is judged by (DOMAIN "Figures the product reports")."""
