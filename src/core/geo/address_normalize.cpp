#include "core/geo/address_normalize.hpp"

#include <algorithm>
#include <initializer_list>
#include <vector>

namespace realmap::geo {

namespace {

// ASCII only, never <cctype>: inside the server LC_CTYPE is the database's locale, and
// in a single-byte locale isspace(0xA0) is true, which would split UTF-8 sequences.
bool is_ascii_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool is_ascii_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
bool is_ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_ascii_alnum(unsigned char c) { return is_ascii_upper(c) || is_ascii_lower(c) || is_ascii_digit(c); }
bool is_ascii_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
char ascii_lower(unsigned char c) { return static_cast<char>(is_ascii_upper(c) ? c - 'A' + 'a' : c); }
char ascii_upper(unsigned char c) { return static_cast<char>(is_ascii_lower(c) ? c - 'a' + 'A' : c); }

// U+0900..U+097F is E0 A4 80 .. E0 A5 BF in UTF-8.
bool has_devanagari(const std::string &text) {
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        auto b0 = static_cast<unsigned char>(text[i]), b1 = static_cast<unsigned char>(text[i + 1]);
        if (b0 == 0xE0 && (b1 == 0xA4 || b1 == 0xA5)) return true;
    }
    return false;
}

bool has_latin_letter(const std::string &text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return is_ascii_upper(u) || is_ascii_lower(u);
    });
}

bool in(const std::string &key, std::initializer_list<const char *> words) {
    return std::any_of(words.begin(), words.end(), [&](const char *w) { return key == w; });
}

// Every whitespace (ASCII, U+00A0, U+2000..U+200B, U+3000) and the separators given as
// one space, runs collapsed, trimmed.
std::string spaces_for(const std::string &text, const char *separators) {
    std::string out;
    bool pending_space = false;
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t width = 1;
        bool space = is_ascii_space(c) || std::string(separators).find(static_cast<char>(c)) != std::string::npos;
        if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
            space = true;
            width = 2;
        } else if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                   static_cast<unsigned char>(text[i + 2]) <= 0x8B) {
            space = true;
            width = 3;
        } else if (c == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                   static_cast<unsigned char>(text[i + 2]) == 0x80) {
            space = true;
            width = 3;
        }
        if (space) {
            pending_space = !out.empty();
        } else {
            if (pending_space) out += ' ';
            pending_space = false;
            out.append(text, i, width);
        }
        i += width;
    }
    return out;
}

// "RAIPUR" and "sakari" → "Raipur", "Sakari"; mixed case as written.
std::string title_case_if_single_case(const std::string &text) {
    bool upper = false, lower = false;
    for (char c : text) {
        upper = upper || is_ascii_upper(static_cast<unsigned char>(c));
        lower = lower || is_ascii_lower(static_cast<unsigned char>(c));
    }
    if (upper && lower) return text;
    std::string out = text;
    bool word_start = true;
    for (char &c : out) {
        auto u = static_cast<unsigned char>(c);
        if (is_ascii_upper(u) || is_ascii_lower(u)) {
            c = word_start ? ascii_upper(u) : ascii_lower(u);
            word_start = false;
        } else {
            word_start = !is_ascii_digit(u) && u < 0x80;
        }
    }
    return out;
}

// ------------------------------------------------------------------ the address line

struct Token {
    std::string text;
    std::string key;  // address_key(text)
    bool digit = false;
    bool devanagari = false;
    bool dropped = false;
};

bool is_tehsil_marker(const std::string &k) {
    return in(k, {"tahsil", "tehsil", "tahasil", "tehasil", "tahsill", "tehsill", "tah", "teh", "tahsildar",
                  "tehsildar", "taluka", "tehisl", "tehshil", "tahshil", "tehesil"});
}
bool is_district_marker(const std::string &k) {
    return in(k, {"district", "distt", "dist", "distric", "zila", "zilla", "jila", "jilla"});
}
bool is_village_marker(const std::string &k) {
    return in(k, {"village", "villag", "vill", "vil", "villege", "vilage", "villaage", "villaagge", "villagge", "gram",
                  "grm", "mauza", "mouza", "mauja", "moja"});
}
bool is_marker(const std::string &k) { return is_tehsil_marker(k) || is_district_marker(k) || is_village_marker(k); }
bool is_state_word(const std::string &k) {
    return in(k, {"chhattisgarh", "chattisgarh", "chhatisgarh", "chhattishgarh", "chattishgarh", "chhatishgarh",
                  "cg", "india"});
}
// Words that introduce a number: "Ward No 52", "Kh No 841", "Patwari Halka 75".
bool is_number_designation(const std::string &k) {
    return in(k, {"ward", "plot", "plots", "kh", "khasra", "khno", "survey", "house", "flat", "shop", "block",
                  "sector", "halka", "gali", "lane", "phase", "unit", "door", "ph", "sy", "gat", "word"});
}
bool is_number_word(const std::string &k) { return in(k, {"no", "n", "nos", "number", "num"}); }
// After a tehsil marker, these make it a landmark ("Tahsil Road", "Tehsil Office").
bool is_landmark_word(const std::string &k) {
    return in(k, {"road", "rd", "office", "karyalaya", "chowk", "marg", "campus", "colony", "para", "parisar"});
}
bool is_keeps_city_name(const std::string &k) { return in(k, {"naya", "nava", "new", "old", "purana", "purani"}); }

std::vector<Token> tokenize(const std::string &line) {
    std::vector<Token> tokens;
    std::string spaced = spaces_for(line, ",;:()[]{}\"|");
    std::size_t start = 0;
    while (start < spaced.size()) {
        std::size_t end = spaced.find(' ', start);
        if (end == std::string::npos) end = spaced.size();
        Token t;
        t.text = spaced.substr(start, end - start);
        t.key = address_key(t.text);
        t.digit = std::any_of(t.text.begin(), t.text.end(), [](char c) { return is_ascii_digit(static_cast<unsigned char>(c)); });
        t.devanagari = has_devanagari(t.text);
        tokens.push_back(std::move(t));
        start = end + 1;
    }
    return tokens;
}

// Index of the next / previous live token, or npos / -1 as size_t max.
constexpr std::size_t kNone = static_cast<std::size_t>(-1);
std::size_t next_live(const std::vector<Token> &t, std::size_t i) {
    for (std::size_t j = i + 1; j < t.size(); ++j)
        if (!t[j].dropped) return j;
    return kNone;
}
std::size_t prev_live(const std::vector<Token> &t, std::size_t i) {
    for (std::size_t j = i; j-- > 0;)
        if (!t[j].dropped) return j;
    return kNone;
}

// The live tokens from `from` on that spell `name` (by key), or {} when they do not.
std::vector<std::size_t> match_forward(const std::vector<Token> &t, std::size_t from, const std::string &name) {
    std::vector<std::size_t> used;
    std::string joined;
    for (std::size_t j = from; j != kNone && j < t.size() && !name.empty(); j = next_live(t, j)) {
        if (t[j].key.empty()) return {};
        joined += t[j].key;
        used.push_back(j);
        if (joined == name) return used;
        if (name.compare(0, joined.size(), joined) != 0) return {};
    }
    return {};
}

std::vector<std::size_t> match_backward(const std::vector<Token> &t, std::size_t last, const std::string &name) {
    std::vector<std::size_t> used;
    std::string joined;
    for (std::size_t j = last; j != kNone && !name.empty(); j = prev_live(t, j)) {
        if (t[j].key.empty()) return {};
        joined = t[j].key + joined;
        used.push_back(j);
        if (joined == name) return used;
        if (joined.size() > name.size() || name.compare(name.size() - joined.size(), joined.size(), joined) != 0)
            return {};
    }
    return {};
}

void drop(std::vector<Token> &t, const std::vector<std::size_t> &indexes) {
    for (std::size_t i : indexes) t[i].dropped = true;
}

// A word after a marker that may be dropped as the (perhaps misspelt) name the marker
// introduces: a Latin word that is no marker itself.
bool droppable_name_word(const Token &t) { return !t.key.empty() && !t.digit && !is_marker(t.key); }

void drop_scripts_and_state(std::vector<Token> &t) {
    bool latin = std::any_of(t.begin(), t.end(), [](const Token &x) { return has_latin_letter(x.text); });
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].devanagari && latin) t[i].dropped = true;
        if (is_state_word(t[i].key)) t[i].dropped = true;
        // "C G" written with a space
        if (t[i].key == "c" && i + 1 < t.size() && t[i + 1].key == "g") t[i].dropped = t[i + 1].dropped = true;
    }
    // Devanagari state mentions, when the line is all Devanagari: "छ.ग." and "छत्तीसगढ़".
    for (Token &x : t) {
        std::string bare;
        for (char c : x.text)
            if (c != '.' && c != '(' && c != ')') bare += c;
        if (bare == "\xE0\xA4\x9B\xE0\xA4\x97" ||
            bare == "\xE0\xA4\x9B\xE0\xA4\xA4\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x80\xE0\xA4\xB8\xE0\xA4\x97\xE0\xA4\xA2\xE0\xA4\xBC")
            x.dropped = true;
    }
}

void drop_pincode(std::vector<Token> &t, std::string &found_pin) {
    for (Token &x : t) {
        if (x.dropped || x.key.size() != 6 || x.key[0] == '0') continue;
        if (!std::all_of(x.key.begin(), x.key.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
        if (found_pin.empty()) found_pin = x.key;
        x.dropped = true;
    }
    // "Pin 493661", "Pin Code 493661", "PIN- 493661": the words that announced a dropped PIN.
    for (std::size_t i = 0; i + 1 < t.size(); ++i) {
        if (!in(t[i].key, {"pin", "pincode", "code"})) continue;
        std::size_t j = i + 1;
        while (j < t.size() && t[j].key == "code") ++j;
        if (j < t.size() && t[j].dropped && t[j].key.size() == 6)
            for (std::size_t k = i; k < j; ++k) t[k].dropped = true;
    }
}

void drop_connectors(std::vector<Token> &t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        const std::string &k = t[i].key;
        if (in(k, {"near", "nr", "opp", "opposite", "behind", "beside", "besides", "infront", "adjacent", "adj", "at"}))
            t[i].dropped = true;
        auto next_is = [&](std::size_t j, const char *w) { return j < t.size() && t[j].key == w; };
        if ((k == "in" && next_is(i + 1, "front")) || ((k == "front" || k == "part") && next_is(i + 1, "of"))) {
            t[i].dropped = t[i + 1].dropped = true;
            if (k == "in" && next_is(i + 2, "of")) t[i + 2].dropped = true;
        }
    }
}

// Numbers and what introduces them.  Walking back from a number: "no"-words and single
// letters ("B 69", "P H No"), then one designation ("Ward", "Halka", and "Patwari" before
// "Halka").
void drop_numbers(std::vector<Token> &t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!t[i].digit || t[i].dropped) continue;
        t[i].dropped = true;
        std::size_t j = prev_live(t, i);
        while (j != kNone && !t[j].digit && (is_number_word(t[j].key) || (t[j].key.size() == 1 && !t[j].devanagari))) {
            t[j].dropped = true;
            j = prev_live(t, j);
        }
        if (j != kNone && is_number_designation(t[j].key)) {
            t[j].dropped = true;
            std::size_t before = prev_live(t, j);
            if (t[j].key == "halka" && before != kNone && t[before].key == "patwari") t[before].dropped = true;
        }
    }
}

// "Tehsil X", "Tahsil and District X", "X Tahsil"; "District X", "X District".
void drop_admin_mentions(std::vector<Token> &t, const std::string &tehsil_key, const std::string &district_key) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].dropped) continue;
        bool tehsil_marker = is_tehsil_marker(t[i].key);
        bool district_marker = is_district_marker(t[i].key);
        if (!tehsil_marker && !district_marker) continue;
        std::size_t next = next_live(t, i);
        if (tehsil_marker && next != kNone && is_landmark_word(t[next].key)) continue;
        t[i].dropped = true;
        const std::string &own = tehsil_marker ? tehsil_key : district_key;
        // the suffix form: "Katghora Tahsil"
        drop(t, match_backward(t, prev_live(t, i), own));
        while (next != kNone && in(t[next].key, {"and", "evam", "division", "div"})) {
            t[next].dropped = true;
            next = next_live(t, next);
        }
        if (next == kNone || is_marker(t[next].key)) continue;  // "Tahsil and District X": the next marker's turn
        std::vector<std::size_t> name = match_forward(t, next, own);
        // A tehsil marker before the district's name ("Tahsil Raipur" of a project in
        // Abhanpur tehsil) still introduces a name, possibly of several words.
        if (name.empty() && tehsil_marker) name = match_forward(t, next, district_key);
        if (!name.empty())
            drop(t, name);
        else if (droppable_name_word(t[next]))
            t[next].dropped = true;  // a misspelt name: "Tehsil Dugr", "Dist Rajnanadgaon"
    }
}

// Words that end a village name: "Village Dunda Old Dhamtari Road" is Dunda.
bool ends_village_name(const std::string &k) {
    return in(k, {"old", "new", "naya", "nava", "main", "road", "rd", "marg", "chowk", "highway", "nh", "bypass",
                  "post", "po", "thana", "via", "and"});
}

// "Village X" / "Vill. X Y": the marker goes; up to two following words before the next
// marker, dropped word, designation, street word or tehsil/district name are the locality.
std::string take_village(std::vector<Token> &t, const std::string &tehsil_key, const std::string &district_key) {
    std::string locality;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].dropped || !is_village_marker(t[i].key)) continue;
        t[i].dropped = true;
        if (!locality.empty()) continue;
        std::string words;
        int taken = 0;
        for (std::size_t j = i + 1; j < t.size() && taken < 2; ++j, ++taken) {
            const Token &w = t[j];
            if (w.dropped || w.key.empty() || is_marker(w.key) || is_number_designation(w.key) ||
                ends_village_name(w.key))
                break;
            if (taken > 0 && (!match_forward(t, j, tehsil_key).empty() || !match_forward(t, j, district_key).empty()))
                break;
            words += (words.empty() ? "" : " ") + w.text;
        }
        locality = words;
    }
    return locality;
}

void drop_trailing_admin_names(std::vector<Token> &t, const std::string &tehsil_key, const std::string &district_key) {
    for (bool changed = true; changed;) {
        changed = false;
        std::size_t last = prev_live(t, t.size());
        for (const std::string *name : {&district_key, &tehsil_key}) {
            std::vector<std::size_t> used = match_backward(t, last, *name);
            if (used.empty()) continue;
            std::size_t before = prev_live(t, used.back());
            // keep a lone name, "Naya Raipur", and "Village Raipur"
            if (before == kNone || is_keeps_city_name(t[before].key) || is_marker(t[before].key)) continue;
            drop(t, used);
            changed = true;
            break;
        }
    }
}

void drop_dangling(std::vector<Token> &t) {
    for (Token &x : t)
        if (x.key.empty() && !x.devanagari) x.dropped = true;  // "-", "/", "&"
    auto dangling = [](const Token &x) { return in(x.key, {"and", "of", "at", "the", "to"}); };
    for (bool changed = true; changed;) {
        changed = false;
        std::size_t first = next_live(t, kNone), last = prev_live(t, t.size());
        if (first != kNone && dangling(t[first])) t[first].dropped = changed = true;
        if (last != kNone && dangling(t[last])) t[last].dropped = changed = true;
    }
}

std::string join_live(const std::vector<Token> &t) {
    std::string out;
    for (const Token &x : t)
        if (!x.dropped) out += (out.empty() ? "" : " ") + x.text;
    return out;
}

std::string strip_marker(const std::string &value, bool (*is_marker_key)(const std::string &)) {
    std::string text = clean_component(value);
    std::vector<Token> t = tokenize(text);
    if (t.size() < 2) return text;
    std::size_t from = 0, to = t.size();
    if (is_marker_key(t.front().key)) from = 1;
    else if (is_marker_key(t.back().key)) to = t.size() - 1;
    std::string out;
    for (std::size_t i = from; i < to; ++i) out += (out.empty() ? "" : " ") + t[i].text;
    return out;
}

bool is_tehsil_marker_fn(const std::string &k) { return is_tehsil_marker(k); }
bool is_district_marker_fn(const std::string &k) { return is_district_marker(k); }

std::string join_components(std::initializer_list<const std::string *> parts) {
    std::string out;
    std::vector<std::string> keys;
    for (const std::string *p : parts) {
        if (p->empty()) continue;
        std::string k = address_key(*p);
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
        keys.push_back(k);
        out += (out.empty() ? "" : ", ") + *p;
    }
    return out;
}

}  // namespace

std::string clean_component(const std::string &text) { return spaces_for(text, ",;"); }

std::string strip_tehsil_marker(const std::string &tehsil) { return strip_marker(tehsil, is_tehsil_marker_fn); }

std::string strip_district_marker(const std::string &district) {
    return strip_marker(district, is_district_marker_fn);
}

std::string address_key(const std::string &text) {
    std::string key;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) key += c;
        else if (is_ascii_alnum(u)) key += ascii_lower(u);
    }
    return key;
}

NormalizedAddress normalize_address(const AddressParts &parts) {
    NormalizedAddress n;
    n.tehsil = title_case_if_single_case(strip_tehsil_marker(parts.tehsil));
    n.district = title_case_if_single_case(strip_district_marker(parts.district));
    std::string state = clean_component(parts.state);
    n.state = (state.empty() || address_key(state) == "cg") ? "Chhattisgarh" : state;
    n.country = "India";
    std::string pin = address_key(parts.pincode);
    if (pin.size() == 6 && std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
        n.pincode = pin;

    std::vector<Token> t = tokenize(parts.address);
    std::string tehsil_key = address_key(n.tehsil), district_key = address_key(n.district);
    std::string found_pin;
    drop_scripts_and_state(t);
    drop_pincode(t, found_pin);
    drop_connectors(t);
    drop_numbers(t);
    drop_admin_mentions(t, tehsil_key, district_key);
    drop_trailing_admin_names(t, tehsil_key, district_key);
    std::string village = take_village(t, tehsil_key, district_key);
    drop_dangling(t);
    n.address_line = title_case_if_single_case(join_live(t));
    if (n.pincode.empty()) n.pincode = found_pin;

    n.locality = title_case_if_single_case(clean_component(parts.locality));
    if (n.locality.empty()) n.locality = title_case_if_single_case(village);
    // A line that says no more than the locality, tehsil or district adds nothing.
    std::string line_key = address_key(n.address_line);
    if (line_key == address_key(n.locality) || line_key == tehsil_key || line_key == district_key)
        n.address_line.clear();

    n.full = join_components({&n.address_line, &n.locality, &n.tehsil, &n.district, &n.state, &n.pincode, &n.country});
    n.low_confidence = n.district.empty() || (n.address_line.empty() && n.locality.empty() && n.tehsil.empty());
    return n;
}

}  // namespace realmap::geo
