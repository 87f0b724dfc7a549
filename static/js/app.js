// Our only script (no inline script: the CSP forbids it).
document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr.status;
  var message = status === 404 ? "Élément introuvable." : "Le serveur n'a pas pu répondre (" + status + ").";
  var box = document.querySelector(".messages") || document.createElement("ul");
  box.className = "messages";
  box.setAttribute("role", "status");
  box.innerHTML = "";
  var item = document.createElement("li");
  item.className = "message error";
  item.textContent = message;
  box.appendChild(item);
  if (!box.parentNode) { document.querySelector("main").prepend(box); }
});
