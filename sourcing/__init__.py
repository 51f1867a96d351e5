"""Requests for quotation: invited suppliers, sealed quotes, a committee's scores, awards that become lines."""
