// Interface strings of the agent display and of the supervisor page, one flat
// object per language of the phrase packs (config/phrases/): one table, so a
// language added for one page is complete for both (tests/display checks every
// table has every key). Nudge messages arrive already in the agent's display
// language (config: nudges.display_language), and the labels of the nudge and
// kudos kinds come from the server (`labels` of /display/config.json, from
// config/messages.yaml); these are the words around them. "{name}" marks a
// value the page fills in (CallcoachI18n.format).
window.CALLCOACH_I18N = {
  en: {
    // the agent display (/display)
    title: "Coach", call: "Call", silence: "Silence", interruptions: "Interruptions",
    customer: "Customer", you: "You", talk_ratio: "Talk ratio", nudges: "Nudges",
    all_good: "All good. Keep going.", why: "Why?", hide: "Hide",
    calm: "Calm", upset: "Upset", said: "Said", at: "at",
    connecting: "Connecting…", connected: "Live", reconnecting: "Reconnecting…", offline: "Offline",
    missing_library: "The display's MQTT library is missing. Run: npm ci && python -m service.display.vendor",
    missing_link: "Open the display with the link you were given (/display?agent=…&token=…)",
    expired_link: "This link has expired: ask for a new one",
    wrong_agent: "This link was changed: open it exactly as you were given it",
    refused_link: "The broker refused this link: ask for a new one",
    // the supervisor page (/supervisor), which also uses the display's words above
    team: "Team", duration: "Duration", on_call: "On call", idle: "Idle", call_ended: "Idle (call ended)",
    last_nudges: "Last nudges", kudos: "Kudos", severity_info: "Info", severity_warn: "Warning", severity_alert: "Alert",
    reason_alert: "Alert: {kind}", reason_silence: "Long silence ({seconds} s)",
    reason_distress: "Customer distressed for a while",
    reason_distress_voice: "Customer's voice raised for a while",
    agents_of_team: "Agents of the team", no_agents: "No agents yet.",
    keys_hint: "Arrow keys move between agents; Enter opens a call's coaching history, Escape closes it.",
    stale_note: "Connection lost: the figures below may be out of date.",
    history: "History", history_title: "{agent}: coaching history", history_title_call: "{agent}: coaching history of call {call}",
    no_history: "No nudges on this call yet.", close: "Close",
    needs_supervisor_link: "This page needs a supervisor link for this team (coach supervisor-link TEAM)."
  },
  el: {
    // the agent display (/display)
    title: "Προπονητής", call: "Κλήση", silence: "Σιωπή", interruptions: "Διακοπές",
    customer: "Πελάτης", you: "Εσείς", talk_ratio: "Αναλογία ομιλίας", nudges: "Υποδείξεις",
    all_good: "Όλα καλά. Συνεχίστε.", why: "Γιατί;", hide: "Απόκρυψη",
    calm: "Ήρεμος", upset: "Αναστατωμένος", said: "Είπε", at: "στο",
    connecting: "Σύνδεση…", connected: "Ζωντανά", reconnecting: "Επανασύνδεση…", offline: "Εκτός σύνδεσης",
    missing_library: "Λείπει η βιβλιοθήκη MQTT. Εκτελέστε: npm ci && python -m service.display.vendor",
    missing_link: "Ανοίξτε την οθόνη με τον σύνδεσμο που σας δόθηκε (/display?agent=…&token=…)",
    expired_link: "Ο σύνδεσμος έχει λήξει: ζητήστε νέο",
    wrong_agent: "Ο σύνδεσμος έχει αλλοιωθεί: ανοίξτε τον ακριβώς όπως σας δόθηκε",
    refused_link: "Ο διακομιστής απέρριψε τον σύνδεσμο: ζητήστε νέο",
    // the supervisor page (/supervisor), which also uses the display's words above
    team: "Ομάδα", duration: "Διάρκεια", on_call: "Σε κλήση", idle: "Αδρανής", call_ended: "Αδρανής (η κλήση έληξε)",
    last_nudges: "Τελευταίες υποδείξεις", kudos: "Έπαινος", severity_info: "Πληροφορία", severity_warn: "Προειδοποίηση",
    severity_alert: "Συναγερμός",
    reason_alert: "Συναγερμός: {kind}", reason_silence: "Παρατεταμένη σιωπή ({seconds} δευτ.)",
    reason_distress: "Ο πελάτης είναι αναστατωμένος εδώ και ώρα",
    reason_distress_voice: "Ο πελάτης έχει υψώσει τη φωνή του εδώ και ώρα",
    agents_of_team: "Εκπρόσωποι της ομάδας", no_agents: "Δεν υπάρχουν ακόμη εκπρόσωποι.",
    keys_hint: "Τα βέλη μετακινούν ανάμεσα στους εκπροσώπους· το Enter ανοίγει το ιστορικό καθοδήγησης μιας κλήσης, το Escape το κλείνει.",
    stale_note: "Η σύνδεση χάθηκε: τα στοιχεία παρακάτω ίσως δεν είναι ενημερωμένα.",
    history: "Ιστορικό", history_title: "{agent}: ιστορικό καθοδήγησης",
    history_title_call: "{agent}: ιστορικό καθοδήγησης της κλήσης {call}",
    no_history: "Καμία υπόδειξη σε αυτή την κλήση ακόμη.", close: "Κλείσιμο",
    needs_supervisor_link: "Αυτή η σελίδα χρειάζεται σύνδεσμο επόπτη για αυτή την ομάδα (coach supervisor-link TEAM)."
  },
  tr: {
    // the agent display (/display)
    title: "Koç", call: "Çağrı", silence: "Sessizlik", interruptions: "Söz kesme",
    customer: "Müşteri", you: "Siz", talk_ratio: "Konuşma oranı", nudges: "Uyarılar",
    all_good: "Her şey yolunda. Devam edin.", why: "Neden?", hide: "Gizle",
    calm: "Sakin", upset: "Üzgün", said: "Söylenen", at: "zaman",
    connecting: "Bağlanıyor…", connected: "Canlı", reconnecting: "Yeniden bağlanıyor…", offline: "Çevrimdışı",
    missing_library: "MQTT kitaplığı eksik. Çalıştırın: npm ci && python -m service.display.vendor",
    missing_link: "Ekranı size verilen bağlantıyla açın (/display?agent=…&token=…)",
    expired_link: "Bu bağlantının süresi doldu: yenisini isteyin",
    wrong_agent: "Bu bağlantı değiştirilmiş: size verildiği gibi açın",
    refused_link: "Sunucu bu bağlantıyı reddetti: yenisini isteyin",
    // the supervisor page (/supervisor), which also uses the display's words above
    team: "Ekip", duration: "Süre", on_call: "Görüşmede", idle: "Boşta", call_ended: "Boşta (çağrı bitti)",
    last_nudges: "Son uyarılar", kudos: "Tebrik", severity_info: "Bilgi", severity_warn: "Uyarı", severity_alert: "Alarm",
    reason_alert: "Alarm: {kind}", reason_silence: "Uzun sessizlik ({seconds} sn)",
    reason_distress: "Müşteri bir süredir üzgün",
    reason_distress_voice: "Müşteri bir süredir sesini yükseltiyor",
    agents_of_team: "Ekibin temsilcileri", no_agents: "Henüz temsilci yok.",
    keys_hint: "Ok tuşları temsilciler arasında gezinir; Enter bir çağrının koçluk geçmişini açar, Escape kapatır.",
    stale_note: "Bağlantı koptu: aşağıdaki değerler güncel olmayabilir.",
    history: "Geçmiş", history_title: "{agent}: koçluk geçmişi", history_title_call: "{agent}: {call} çağrısının koçluk geçmişi",
    no_history: "Bu çağrıda henüz uyarı yok.", close: "Kapat",
    needs_supervisor_link: "Bu sayfa bu ekip için bir süpervizör bağlantısı gerektirir (coach supervisor-link TEAM)."
  },
  lv: {
    // the agent display (/display)
    title: "Treneris", call: "Zvans", silence: "Klusums", interruptions: "Pārtraukumi",
    customer: "Klients", you: "Jūs", talk_ratio: "Runas attiecība", nudges: "Padomi",
    all_good: "Viss kārtībā. Turpiniet.", why: "Kāpēc?", hide: "Slēpt",
    calm: "Mierīgs", upset: "Satraukts", said: "Teikts", at: "laikā",
    connecting: "Savienojas…", connected: "Tiešraide", reconnecting: "Atjauno savienojumu…", offline: "Bezsaistē",
    missing_library: "Trūkst MQTT bibliotēkas. Palaidiet: npm ci && python -m service.display.vendor",
    missing_link: "Atveriet ekrānu ar jums doto saiti (/display?agent=…&token=…)",
    expired_link: "Saitei beidzies derīgums: palūdziet jaunu",
    wrong_agent: "Saite ir mainīta: atveriet to tieši tādu, kādu saņēmāt",
    refused_link: "Serveris noraidīja šo saiti: palūdziet jaunu",
    // the supervisor page (/supervisor), which also uses the display's words above
    team: "Komanda", duration: "Ilgums", on_call: "Zvanā", idle: "Brīvs", call_ended: "Brīvs (zvans beidzies)",
    last_nudges: "Pēdējie padomi", kudos: "Uzslava", severity_info: "Informācija", severity_warn: "Brīdinājums",
    severity_alert: "Trauksme",
    reason_alert: "Trauksme: {kind}", reason_silence: "Ilgs klusums ({seconds} s)",
    reason_distress: "Klients jau kādu laiku ir satraukts",
    reason_distress_voice: "Klients jau kādu laiku runā paceltā balsī",
    agents_of_team: "Komandas operatori", no_agents: "Vēl nav neviena operatora.",
    keys_hint: "Ar bultiņu taustiņiem pārvietojieties starp operatoriem; Enter atver zvana padomu vēsturi, Escape to aizver.",
    stale_note: "Savienojums zudis: zemāk redzamie dati var būt novecojuši.",
    history: "Vēsture", history_title: "{agent}: padomu vēsture", history_title_call: "{agent}: zvana {call} padomu vēsture",
    no_history: "Šajā zvanā vēl nav padomu.", close: "Aizvērt",
    needs_supervisor_link: "Šai lapai vajag šīs komandas vadītāja saiti (coach supervisor-link TEAM)."
  },
  tl: {
    // the agent display (/display)
    title: "Coach", call: "Tawag", silence: "Katahimikan", interruptions: "Pagsabat",
    customer: "Customer", you: "Ikaw", talk_ratio: "Hati sa pagsasalita", nudges: "Paalala",
    all_good: "Maayos ang lahat. Ituloy mo.", why: "Bakit?", hide: "Itago",
    calm: "Kalmado", upset: "Galit", said: "Sinabi", at: "sa",
    connecting: "Kumokonekta…", connected: "Live", reconnecting: "Muling kumokonekta…", offline: "Offline",
    missing_library: "Nawawala ang MQTT library. Patakbuhin: npm ci && python -m service.display.vendor",
    missing_link: "Buksan ang display gamit ang link na ibinigay sa iyo (/display?agent=…&token=…)",
    expired_link: "Nag-expire na ang link na ito: humingi ng bago",
    wrong_agent: "Binago ang link na ito: buksan ito nang eksakto gaya ng ibinigay sa iyo",
    refused_link: "Tinanggihan ng server ang link na ito: humingi ng bago",
    // the supervisor page (/supervisor), which also uses the display's words above
    team: "Team", duration: "Tagal", on_call: "Nasa tawag", idle: "Bakante", call_ended: "Bakante (tapos na ang tawag)",
    last_nudges: "Mga huling paalala", kudos: "Papuri", severity_info: "Impormasyon", severity_warn: "Babala",
    severity_alert: "Alerto",
    reason_alert: "Alerto: {kind}", reason_silence: "Mahabang katahimikan ({seconds} s)",
    reason_distress: "Matagal nang galit ang customer",
    reason_distress_voice: "Matagal nang tumataas ang boses ng customer",
    agents_of_team: "Mga agent ng team", no_agents: "Wala pang agent.",
    keys_hint: "Lumipat sa mga agent gamit ang arrow keys; binubuksan ng Enter ang coaching history ng tawag, isinasara ito ng Escape.",
    stale_note: "Naputol ang koneksyon: maaaring luma na ang mga numero sa ibaba.",
    history: "Kasaysayan", history_title: "{agent}: coaching history", history_title_call: "{agent}: coaching history ng tawag {call}",
    no_history: "Wala pang paalala sa tawag na ito.", close: "Isara",
    needs_supervisor_link: "Kailangan ng page na ito ng supervisor link para sa team na ito (coach supervisor-link TEAM)."
  }
};

// How a page shows its language, the agent display and the supervisor page alike.
window.CallcoachI18n = (function () {
  const tables = window.CALLCOACH_I18N;

  // Pick the page's language and write its static strings: the first of
  // `wanted` (?lang=, else the server's nudges.display_language) and the
  // browser's language that has a table, else English. The strings go into
  // every [data-i18n] (text) and [data-i18n-aria] (aria-label) element of the
  // document and of `extraRoots` (a <template>'s content is not in the
  // document). Returns the language code.
  function apply(wanted, ...extraRoots) {
    const code = [wanted, (navigator.language || "").slice(0, 2)].find((c) => c && tables[c]) || "en";
    const t = tables[code];
    document.documentElement.lang = code;
    [document, ...extraRoots].forEach((root) => {
      root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t[el.dataset.i18n]; });
      root.querySelectorAll("[data-i18n-aria]").forEach((el) => { el.setAttribute("aria-label", t[el.dataset.i18nAria]); });
    });
    return code;
  }

  // `template` with each {name} replaced by values[name].
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  return { apply, format };
})();
