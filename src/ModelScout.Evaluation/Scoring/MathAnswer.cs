using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelScout.Evaluation.Scoring;

/// <summary>MATH answers: the last <c>\boxed{}</c> of a solution, the usual normalisation, and equivalence of two answers.</summary>
public static partial class MathAnswer
{
    [GeneratedRegex(@"\\(?:text|textbf|mbox|mathrm)\{([^{}]*)\}")]
    private static partial Regex TextWrapper();

    [GeneratedRegex(@"(?<=\S)\s*\\(?:text|mbox|mathrm)\{\s*[A-Za-z][A-Za-z ]*\}$")]
    private static partial Regex TrailingUnits();

    [GeneratedRegex(@"\\sqrt(\w)")]
    private static partial Regex BareSqrt();

    [GeneratedRegex(@"^(-?\d+)/(\d+)$")]
    private static partial Regex SlashFraction();

    [GeneratedRegex(@"^\d{1,3}(,\d{3})+(\.\d+)?$")]
    private static partial Regex ThousandsCommas();

    /// <summary>The contents of the last <c>\boxed{...}</c> or <c>\fbox{...}</c> (nested braces matched), or of <c>\boxed 5</c>; null when absent or unbalanced.</summary>
    public static string? LastBoxed(string text)
    {
        var boxed = text.LastIndexOf("\\boxed", StringComparison.Ordinal);
        var fbox = text.LastIndexOf("\\fbox", StringComparison.Ordinal);
        var start = Math.Max(boxed, fbox);
        if (start < 0) return null;
        var i = start + (start == boxed ? "\\boxed".Length : "\\fbox".Length);
        if (i < text.Length && text[i] == ' ')
        {
            // "\boxed 5": the answer runs to the next '$' or whitespace.
            var from = i + 1;
            var end = from;
            while (end < text.Length && text[end] != '$' && !char.IsWhiteSpace(text[end])) end++;
            return end > from ? text[from..end] : null;
        }
        if (i >= text.Length || text[i] != '{') return null;
        var depth = 0;
        for (var j = i; j < text.Length; j++)
        {
            if (text[j] == '{') depth++;
            else if (text[j] == '}' && --depth == 0) return text[(i + 1)..j];
        }
        return null;
    }

    /// <summary>True when two answers agree after <see cref="Normalize"/>, or both evaluate to the same number.</summary>
    public static bool IsEquivalent(string? candidate, string gold)
    {
        if (candidate is null) return false;
        var a = Normalize(candidate);
        var b = Normalize(gold);
        if (a == b) return true;
        return TryEvaluate(a, out var x) && TryEvaluate(b, out var y) && Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(y));
    }

    /// <summary>
    /// The standard MATH normalisation: no line breaks, <c>\!</c>, <c>\left</c>/<c>\right</c>, degrees, dollars, percent or
    /// unit words; <c>dfrac</c>/<c>tfrac</c> → <c>frac</c>; braces added to <c>\frac12</c> and <c>\sqrt3</c>; <c>a/b</c> → <c>\frac{a}{b}</c>;
    /// a short <c>x =</c> left side dropped; no spaces and no trailing full stop.
    /// </summary>
    public static string Normalize(string answer)
    {
        var s = answer.Replace("\n", "", StringComparison.Ordinal).Replace("\\!", "", StringComparison.Ordinal)
            .Replace("\\\\", "\\", StringComparison.Ordinal)
            .Replace("tfrac", "frac", StringComparison.Ordinal).Replace("dfrac", "frac", StringComparison.Ordinal)
            .Replace("\\left", "", StringComparison.Ordinal).Replace("\\right", "", StringComparison.Ordinal)
            .Replace("^{\\circ}", "", StringComparison.Ordinal).Replace("^\\circ", "", StringComparison.Ordinal)
            .Replace("\\$", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal)
            .Replace("\\%", "", StringComparison.Ordinal).Replace("%", "", StringComparison.Ordinal)
            .Trim();
        s = TrailingUnits().Replace(s, "");
        s = TextWrapper().Replace(s, "$1");
        s = s.Replace("\\,", "", StringComparison.Ordinal).Replace("\\;", "", StringComparison.Ordinal).Replace("~", "", StringComparison.Ordinal);
        s = s.Replace(" ", "", StringComparison.Ordinal).TrimEnd('.');
        // "x=5", "k=3/4": a one- or two-character left side is a variable name, not part of the answer.
        var parts = s.Split('=');
        if (parts.Length == 2 && parts[0].Length <= 2) s = parts[1];
        if (s.StartsWith('.')) s = "0" + s;
        s = s.Replace("{.", "{0.", StringComparison.Ordinal);
        s = BareSqrt().Replace(s, "\\sqrt{$1}");
        s = FixFracs(s);
        if (ThousandsCommas().IsMatch(s)) s = s.Replace(",", "", StringComparison.Ordinal);
        var slash = SlashFraction().Match(s);
        if (slash.Success) s = $"\\frac{{{slash.Groups[1].Value}}}{{{slash.Groups[2].Value}}}";
        return s;
    }

    // "\frac12" → "\frac{1}{2}", "\frac1{2}" → "\frac{1}{2}", "\frac{1}2" → "\frac{1}{2}".
    private static string FixFracs(string s)
    {
        var parts = s.Split("\\frac");
        if (parts.Length == 1) return s;
        var sb = new StringBuilder(parts[0]);
        foreach (var part in parts.Skip(1))
        {
            sb.Append("\\frac");
            var rest = part;
            for (var arg = 0; arg < 2 && rest.Length > 0; arg++)
            {
                if (rest[0] == '{')
                {
                    var close = MatchingBrace(rest, 0);
                    if (close < 0) break;
                    sb.Append(rest, 0, close + 1);
                    rest = rest[(close + 1)..];
                }
                else
                {
                    sb.Append('{').Append(rest[0]).Append('}');
                    rest = rest[1..];
                }
            }
            sb.Append(rest);
        }
        return sb.ToString();
    }

    private static int MatchingBrace(string s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            if (s[i] == '{') depth++;
            else if (s[i] == '}' && --depth == 0) return i;
        }
        return -1;
    }

    /// <summary>
    /// Evaluates a normalised answer made of numbers, <c>\frac{}{}</c>, <c>\sqrt{}</c>, braces, a leading sign, <c>a/b</c> and
    /// implicit products such as <c>2\sqrt{3}</c>; false for anything else (intervals, expressions with variables).
    /// </summary>
    public static bool TryEvaluate(string normalized, out double value)
    {
        var parser = new Evaluator(normalized);
        return parser.TryParse(out value);
    }

    private ref struct Evaluator(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public bool TryParse(out double value)
        {
            value = 0;
            if (_text.Length == 0 || !Expression(out value)) return false;
            return _pos == _text.Length && double.IsFinite(value);
        }

        private bool Expression(out double value)
        {
            var sign = 1.0;
            if (Peek('-')) { _pos++; sign = -1; }
            else if (Peek('+')) { _pos++; }
            if (!Product(out value)) return false;
            if (Peek('/'))
            {
                _pos++;
                if (!Product(out var divisor) || divisor == 0) return false;
                value /= divisor;
            }
            value *= sign;
            return true;
        }

        private bool Product(out double value)
        {
            if (!Factor(out value)) return false;
            while (_pos < _text.Length && (_text[_pos] == '\\' || _text[_pos] == '{'))
            {
                if (!Factor(out var next)) return false;
                value *= next;
            }
            return true;
        }

        private bool Factor(out double value)
        {
            value = 0;
            if (_pos >= _text.Length) return false;
            if (Take("\\frac"))
            {
                if (!Group(out var num) || !Group(out var den) || den == 0) return false;
                value = num / den;
                return true;
            }
            if (Take("\\sqrt"))
            {
                if (!Group(out var radicand) || radicand < 0) return false;
                value = Math.Sqrt(radicand);
                return true;
            }
            if (Peek('{')) return Group(out value);
            var start = _pos;
            while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] == '.')) _pos++;
            return _pos > start && double.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
        }

        private bool Group(out double value)
        {
            value = 0;
            if (!Peek('{')) return false;
            _pos++;
            if (!Expression(out value) || !Peek('}')) return false;
            _pos++;
            return true;
        }

        private readonly bool Peek(char c) => _pos < _text.Length && _text[_pos] == c;

        private bool Take(string word)
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length;
            return true;
        }
    }
}
