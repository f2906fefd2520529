"""The BHYT claim export (QĐ 130/4750/3176): spec, structure, field checks and cross-table rules."""
