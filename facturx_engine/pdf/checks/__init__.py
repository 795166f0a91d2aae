"""The parts of the PDF/A-3 and Factur-X container checks of :mod:`facturx_engine.pdf.check`, one
module per concern, each a set of functions of one :class:`~facturx_engine.pdf.checks.record.Checker`:

    record      the checker: the file, the findings and how they are recorded
    structure   the file's bytes and trailer (items 10-16)
    objects     every object's entries: actions, forms, filters, XObjects, graphics state (15, 18, 22, 23)
    content     colour against the OutputIntent, transparency, fonts (17-19)
    xmp         the XMP packet, PDF/A identification, extension schemas, Info, fx properties (2-8)
    files       the embedded files and the invoice among them (6-7, 24-29)
"""
