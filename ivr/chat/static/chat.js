/* The web chat widget: talks only to this site's /chat/api (never to the bot directly).
 *
 * Every message is built from DOM nodes and text nodes (never innerHTML), so nothing the bot
 * or a resident types can become markup; http(s) URLs in the bot's text become links.
 */
(function () {
  "use strict";

  var REQUEST_TIMEOUT_MS = 30000;
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

  var root = document.getElementById("chat");
  if (!root) { return; }
  var log = document.getElementById("chat-log");
  var status = document.getElementById("chat-status");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var sendButton = document.getElementById("chat-send");
  var restartButton = document.getElementById("chat-restart");
  var config = root.dataset;
  var busy = false;
  // The page's own words, in the conversation's language (data-text-*; an answer carries
  // them again when the resident switches language).
  var words = {you: config.textYou, bot: config.textBot, choices: config.textChoices,
               typing: config.textTyping, restarted: config.textRestarted,
               offline: config.textOffline, broken: config.textBroken};

  function safeUrl(text) {
    try {
      var url = new URL(text);
      return url.protocol === "https:" || url.protocol === "http:";
    } catch (error) {
      return false;
    }
  }

  function appendText(parent, text) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var url = match[0].replace(TRAILING_PUNCTUATION, "");
      if (!url || !safeUrl(url)) { continue; }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = url;
      link.textContent = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " (opens in a new tab)";
      link.appendChild(hint);
      parent.appendChild(link);
      last = match.index + url.length;
      URL_PATTERN.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function addMessage(role, text, kind) {
    var item = document.createElement("div");
    item.className = "msg " + (role === "user" ? "user" : (kind || "bot"));
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = role === "user" ? words.you : words.bot;
    var body = document.createElement("span");
    body.className = "text";
    if (role === "user") {
      body.textContent = text;
    } else {
      appendText(body, text);
    }
    item.appendChild(who);
    item.appendChild(body);
    log.appendChild(item);
    scrollToEnd();
    return item;
  }

  function addButtons(item, buttons) {
    var group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", words.choices);
    buttons.forEach(function (choice) {
      if (!choice || typeof choice.title !== "string") { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = choice.title;
      button.addEventListener("click", function () {
        send(choice.title, typeof choice.payload === "string" ? choice.payload : null);
      });
      group.appendChild(button);
    });
    item.appendChild(group);
    scrollToEnd();
  }

  function followLanguage(answer) {
    if (!answer || typeof answer.language !== "string" || !answer.labels) { return; }
    Object.keys(words).forEach(function (key) {
      if (typeof answer.labels[key] === "string") { words[key] = answer.labels[key]; }
    });
    document.documentElement.lang = answer.language;
    [["chat-send", "send"], ["chat-restart", "restart"], ["chat-input-label", "your_message"]]
      .forEach(function (pair) {
        var node = document.getElementById(pair[0]);
        if (node && typeof answer.labels[pair[1]] === "string") {
          node.textContent = answer.labels[pair[1]];
        }
      });
  }

  function showMessages(answer) {
    followLanguage(answer);
    var messages = answer && answer.messages;
    if (!Array.isArray(messages)) {  // e.g. the app's generic error answer
      messages = [{text: answer && typeof answer.error === "string" ? answer.error : words.broken,
                   kind: "notice"}];
    }
    messages.forEach(function (message) {
      if (!message || typeof message.text !== "string") { return; }
      var item = addMessage("bot", message.text, message.kind === "warning" ? "warning"
                            : (message.kind === "notice" ? "notice" : "bot"));
      if (Array.isArray(message.buttons) && message.buttons.length) {
        addButtons(item, message.buttons);
      }
    });
  }

  function disableChoices() {
    log.querySelectorAll("button.choice").forEach(function (button) {
      button.disabled = true;
    });
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    restartButton.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
    status.textContent = value ? words.typing : "";
    status.classList.toggle("typing", value);
  }

  function post(url, body) {
    var headers = {"Content-Type": "application/json", "Accept": "application/json"};
    headers[config.csrfHeader] = config.csrfToken;
    var controller = "AbortController" in window ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); },
                                               REQUEST_TIMEOUT_MS) : null;
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () {
        return {messages: [{text: words.broken, kind: "notice"}]};
      });
    }, function () {
      return {messages: [{text: words.offline, kind: "notice"}]};
    }).finally(function () {
      if (timer) { window.clearTimeout(timer); }
    });
  }

  function send(text, payload) {
    if (busy) { return; }
    disableChoices();
    var mine = text.trim() ? addMessage("user", text) : null;
    input.value = "";
    input.focus();
    setBusy(true);
    var body = {message: text};
    if (payload) { body.payload = payload; }
    post(config.messagesUrl, body).then(function (answer) {
      if (mine && answer && typeof answer.you_said === "string") {
        mine.querySelector(".text").textContent = answer.you_said;
      }
      setBusy(false);
      showMessages(answer);
    });
  }

  function restart() {
    if (busy) { return; }
    setBusy(true);
    post(config.restartUrl, {}).then(function (answer) {
      setBusy(false);
      if (answer && !answer.error) {
        while (log.firstChild) { log.removeChild(log.firstChild); }
        status.textContent = words.restarted;
      }
      showMessages(answer);
      input.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(input.value);
  });
  restartButton.addEventListener("click", restart);
  form.hidden = false;
  restartButton.hidden = false;
}());
