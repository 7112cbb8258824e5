// Interface strings of the agent display. Nudge messages arrive already in the
// agent's display language (config: nudges.display_language); these are the
// labels around them. Add a language by adding one more object.
window.CALLCOACH_I18N = {
  en: {
    title: "Coach", call: "Call", silence: "Silence", interruptions: "Interruptions",
    customer: "Customer", you: "You", talk_ratio: "Talk ratio", nudges: "Nudges",
    all_good: "All good. Keep going.", why: "Why?", hide: "Hide",
    calm: "Calm", upset: "Upset", said: "Said", at: "at",
    connecting: "Connecting…", connected: "Live", reconnecting: "Reconnecting…", offline: "Offline",
    missing_library: "The display's MQTT library is missing. Run: npm ci && python -m service.display.vendor",
    missing_agent: "No agent id: open /display?agent=YOUR_ID",
    kinds: { interruption: "Interruption", dead_air: "Dead air", policy_before_empathy: "Empathy first",
      missing_empathy: "Empathy", runaround: "Runaround", brush_off: "Brush-off", blame: "Blame",
      contradiction: "Contradiction", robotic_opening: "Opening", jargon: "Jargon",
      no_timeframe: "Timeframe", pace: "Pace", kudos: "Well done" }
  },
  el: {
    title: "Προπονητής", call: "Κλήση", silence: "Σιωπή", interruptions: "Διακοπές",
    customer: "Πελάτης", you: "Εσείς", talk_ratio: "Αναλογία ομιλίας", nudges: "Υποδείξεις",
    all_good: "Όλα καλά. Συνεχίστε.", why: "Γιατί;", hide: "Απόκρυψη",
    calm: "Ήρεμος", upset: "Αναστατωμένος", said: "Είπε", at: "στο",
    connecting: "Σύνδεση…", connected: "Ζωντανά", reconnecting: "Επανασύνδεση…", offline: "Εκτός σύνδεσης",
    missing_library: "Λείπει η βιβλιοθήκη MQTT. Εκτελέστε: npm ci && python -m service.display.vendor",
    missing_agent: "Λείπει το αναγνωριστικό: ανοίξτε /display?agent=ID",
    kinds: { interruption: "Διακοπή", dead_air: "Νεκρός χρόνος", policy_before_empathy: "Πρώτα ενσυναίσθηση",
      missing_empathy: "Ενσυναίσθηση", runaround: "Παραπομπή", brush_off: "Απόρριψη", blame: "Απόδοση ευθυνών",
      contradiction: "Αντίλογος", robotic_opening: "Έναρξη", jargon: "Ορολογία",
      no_timeframe: "Χρονοδιάγραμμα", pace: "Ρυθμός", kudos: "Μπράβο" }
  },
  tr: {
    title: "Koç", call: "Çağrı", silence: "Sessizlik", interruptions: "Söz kesme",
    customer: "Müşteri", you: "Siz", talk_ratio: "Konuşma oranı", nudges: "Uyarılar",
    all_good: "Her şey yolunda. Devam edin.", why: "Neden?", hide: "Gizle",
    calm: "Sakin", upset: "Üzgün", said: "Söylenen", at: "zaman",
    connecting: "Bağlanıyor…", connected: "Canlı", reconnecting: "Yeniden bağlanıyor…", offline: "Çevrimdışı",
    missing_library: "MQTT kitaplığı eksik. Çalıştırın: npm ci && python -m service.display.vendor",
    missing_agent: "Temsilci kimliği yok: /display?agent=KIMLIK açın",
    kinds: { interruption: "Söz kesme", dead_air: "Sessizlik", policy_before_empathy: "Önce empati",
      missing_empathy: "Empati", runaround: "Oyalama", brush_off: "Başından savma", blame: "Suçlama",
      contradiction: "Karşı çıkma", robotic_opening: "Açılış", jargon: "Jargon",
      no_timeframe: "Zaman bilgisi", pace: "Hız", kudos: "Tebrikler" }
  },
  lv: {
    title: "Treneris", call: "Zvans", silence: "Klusums", interruptions: "Pārtraukumi",
    customer: "Klients", you: "Jūs", talk_ratio: "Runas attiecība", nudges: "Padomi",
    all_good: "Viss kārtībā. Turpiniet.", why: "Kāpēc?", hide: "Slēpt",
    calm: "Mierīgs", upset: "Satraukts", said: "Teikts", at: "laikā",
    connecting: "Savienojas…", connected: "Tiešraide", reconnecting: "Atjauno savienojumu…", offline: "Bezsaistē",
    missing_library: "Trūkst MQTT bibliotēkas. Palaidiet: npm ci && python -m service.display.vendor",
    missing_agent: "Nav aģenta ID: atveriet /display?agent=ID",
    kinds: { interruption: "Pārtraukšana", dead_air: "Klusums", policy_before_empathy: "Vispirms empātija",
      missing_empathy: "Empātija", runaround: "Novirzīšana", brush_off: "Atraidīšana", blame: "Vainošana",
      contradiction: "Iebildums", robotic_opening: "Sākums", jargon: "Žargons",
      no_timeframe: "Termiņš", pace: "Temps", kudos: "Labi darīts" }
  },
  tl: {
    title: "Coach", call: "Tawag", silence: "Katahimikan", interruptions: "Pagsabat",
    customer: "Customer", you: "Ikaw", talk_ratio: "Hati sa pagsasalita", nudges: "Paalala",
    all_good: "Maayos ang lahat. Ituloy mo.", why: "Bakit?", hide: "Itago",
    calm: "Kalmado", upset: "Galit", said: "Sinabi", at: "sa",
    connecting: "Kumokonekta…", connected: "Live", reconnecting: "Muling kumokonekta…", offline: "Offline",
    missing_library: "Nawawala ang MQTT library. Patakbuhin: npm ci && python -m service.display.vendor",
    missing_agent: "Walang agent id: buksan ang /display?agent=ID",
    kinds: { interruption: "Pagsabat", dead_air: "Katahimikan", policy_before_empathy: "Unahin ang malasakit",
      missing_empathy: "Malasakit", runaround: "Pagpapasa-pasa", brush_off: "Pagtataboy", blame: "Paninisi",
      contradiction: "Pagsalungat", robotic_opening: "Pagbati", jargon: "Jargon",
      no_timeframe: "Takdang oras", pace: "Bilis", kudos: "Magaling" }
  }
};
