using System.Text;

namespace ModelScout.Evaluation.Datasets;

/// <summary>One CSV record with the 1-based line it starts on.</summary>
internal sealed record CsvRow(int Line, IReadOnlyList<string> Fields);

/// <summary>RFC 4180 CSV: fields may be quoted, quoted fields may hold commas, newlines and doubled quotes.</summary>
internal static class CsvRows
{
    public static List<CsvRow> Parse(string text, string name)
    {
        var rows = new List<CsvRow>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var rowStart = 1;
        var i = 0;
        var inRow = false;

        void EndField()
        {
            fields.Add(field.ToString());
            field.Clear();
        }

        void EndRow()
        {
            EndField();
            // A blank line is no record (trailing newlines, separators between blocks).
            if (!(fields.Count == 1 && fields[0].Length == 0)) rows.Add(new CsvRow(rowStart, [.. fields]));
            fields.Clear();
            inRow = false;
        }

        while (i < text.Length)
        {
            if (!inRow)
            {
                rowStart = line;
                inRow = true;
            }
            var c = text[i];
            if (c == '"' && field.Length == 0)
            {
                // Quoted field: runs to the closing quote not followed by another quote.
                var quoteLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new DatasetFormatException(name, quoteLine, "a quoted field is never closed");
                    var q = text[i];
                    if (q == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (q == '\n') line++;
                    field.Append(q);
                    i++;
                }
                if (i < text.Length && text[i] is not (',' or '\n' or '\r'))
                    throw new DatasetFormatException(name, line, "text after a closing quote (a quote inside a field must be doubled)");
                continue;
            }
            switch (c)
            {
                case ',':
                    EndField();
                    i++;
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    i++;
                    break;
                case '\n':
                    EndRow();
                    line++;
                    i++;
                    break;
                default:
                    field.Append(c);
                    i++;
                    break;
            }
        }
        if (inRow) EndRow();
        return rows;
    }
}
