"""hsba-conformance: conformance test suite and certification harness for Vietnamese EMR software.

Bộ kiểm thử sự phù hợp và công cụ thẩm định phần mềm hồ sơ bệnh án điện tử.
"""

__version__ = "0.1.0"
