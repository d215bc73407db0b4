"""The award evidence pack (政府服務獎 evidence): every number, table and chart of the
service-evaluation chapter, in PDF, DOCX, XLSX, open data and a verifiable manifest."""
