def write_report(results, out, stamp):
    return None
